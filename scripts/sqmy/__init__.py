"""sqmy: a Git-based workflow for a county CPPCC's 社情民意信息 work."""

__version__ = "0.1.0"
