"""zsets commands — being written (issue #3); see the module docstring when filled in."""
