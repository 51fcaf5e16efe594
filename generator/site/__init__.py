"""Rendering the validated records into the public static site (MkDocs + Material)."""
