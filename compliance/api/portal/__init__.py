"""The officer portal: server-rendered pages behind a token login and a signed session cookie."""
