raise RuntimeError("boom at import\n::error::injected\x1b[31mRED\x1b]0;title\x07 %0A::warning::x")
