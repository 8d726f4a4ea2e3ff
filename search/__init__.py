"""Search: the Whoosh index, the query language and the typed results. The only user of whoosh."""
