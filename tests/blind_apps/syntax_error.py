def app(:
