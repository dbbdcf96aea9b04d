// Peers are separate processes competing for two cores; one test at a time keeps timings sane.
[assembly: DoNotParallelize]
