"""Getting items in: a new item from its template, and Word files imported with their 反映人 and registry matches."""
