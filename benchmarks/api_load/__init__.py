"""The API load benchmark's parts. benchmarks/bench_api_load.py is the benchmark and
benchmarks/seed_book.py writes the book it serves; book_rows.py builds that book's rows."""
