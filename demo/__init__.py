"""Demo data of `make run` and the synthetic data generators of benchmarks: everything that is not the real
databank. The texts and tables live in `demo/data/` (JSON); the modules here only read and load them."""
