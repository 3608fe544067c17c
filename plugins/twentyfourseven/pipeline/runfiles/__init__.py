"""The files one task of a run hands the next, under ``<staging>/<run folder>/``: the
run plan, the chunk ID files, each chunk's staging files and their manifest. Only this
package writes them or knows their layout."""
