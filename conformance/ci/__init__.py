"""Where users already are: GitHub Actions (workflow commands, the action's steps), doc-lint output formats
for code review (GitHub annotations, SARIF, JSON) and the comparison of two runs' `report.json`.

Nothing here decides a verdict: these modules only present what a run or a lint already found.
"""
