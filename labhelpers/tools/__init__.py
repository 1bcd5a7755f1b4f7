"""Authoring machinery no notebook imports: the batch runner, the book build, the Colab cells."""
