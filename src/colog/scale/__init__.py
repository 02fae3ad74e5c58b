"""Scale-out on Ray (extra `[ray]`): hyper-parameter search and batch detection over many files."""
