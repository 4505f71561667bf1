"""The data subject's rights on a case page: the inspection export and the approved destruction."""
