"""The API load benchmark's parts. benchmarks/bench_api_load.py is the benchmark and
benchmarks/seed_book.py writes the book it serves; here: book_rows.py (that book's rows, built
in memory), server.py (the read key and `remit serve`), load.py (the open-loop load generator
and the CPU it measures), profiling.py (py-spy on the server)."""
