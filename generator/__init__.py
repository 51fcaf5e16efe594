"""gongkai (公开): signed, verifiable public records of 双随机、一公开 inspections."""

__version__ = "0.1.0"
