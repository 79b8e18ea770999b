"""The actions on a case, one row each (table), with their fields (fields), what each does
(handlers) and their HTML forms (forms). The lifecycle service applies them."""
