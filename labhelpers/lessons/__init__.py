"""Code that exists for one lesson, in a module named
after it (the lesson says which in its docstring)."""
