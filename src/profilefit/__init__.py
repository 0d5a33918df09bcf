"""profilefit: hire for complex-case customer support, fairly and explainably."""
