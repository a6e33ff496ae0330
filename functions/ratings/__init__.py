"""ratings: what shoppers think of each robot (MySQL, checks skus with catalogue)."""
