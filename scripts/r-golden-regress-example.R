invisible(NULL)
