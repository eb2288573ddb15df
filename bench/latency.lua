-- wrk reports: requests per second, latency percentiles and failures, one "key value" a line.
done = function(summary, latency, requests)
  io.write(string.format("rps %f\n", summary.requests / (summary.duration / 1e6)))
  for _, p in ipairs({50, 95, 99}) do
    io.write(string.format("p%d %f\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("errors %d\n", summary.errors.status + summary.errors.timeout
    + summary.errors.connect + summary.errors.read + summary.errors.write))
end
