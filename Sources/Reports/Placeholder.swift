import Curves
