using System.Diagnostics;
using System.Diagnostics.Metrics;
using ChatBench;

// One room, S senders and R receivers on separate connections; every message carries its send time.
// Usage: dotnet run -c Release --project bench/ChatBench -- [--senders 8] [--receivers 100] [--seconds 10]
//        [--postgres "<connection string>" [--nodes 2]]   (a cluster: senders on node 0, receivers on the others)
var options = BenchOptions.Parse(args);
var batches = new List<int>();
using var listener = new MeterListener();
listener.InstrumentPublished = (instrument, l) =>
{
    if (instrument.Meter.Name == "ChatGrpc.Server" && instrument.Name == "chat.store.commit.batch")
    {
        l.EnableMeasurementEvents(instrument);
    }
};
listener.SetMeasurementEventCallback<int>((_, value, _, _) =>
{
    lock (batches)
    {
        batches.Add(value);
    }
});
listener.Start();

await using var run = await OneRoomRun.StartAsync(options);
var process = Process.GetCurrentProcess();
var cpuBefore = process.TotalProcessorTime;
var result = await run.RunAsync();
var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;

int[] sorted;
lock (batches)
{
    sorted = batches.Order().ToArray();
}

Console.WriteLine($"senders {options.Senders}, receivers {options.Receivers}, {options.Seconds} s, one room, persistence on ({options.Store})");
Console.WriteLine($"messages stored:        {result.Sent} ({result.Sent / result.Elapsed.TotalSeconds:0} msg/s)");
Console.WriteLine($"deliveries:             {result.Delivered} ({result.Delivered / result.Elapsed.TotalSeconds:0}/s), lost {result.Lost}");
Console.WriteLine($"delivery latency:       p50 {result.P(0.50):0.0} ms, p99 {result.P(0.99):0.0} ms, max {result.P(1):0.0} ms");
Console.WriteLine($"ack latency:            p50 {result.AckP(0.50):0.0} ms, p99 {result.AckP(0.99):0.0} ms");
Console.WriteLine($"commit batches:         {sorted.Length}, size p50 {Pct(sorted, 0.5)}, p90 {Pct(sorted, 0.9)}, max {(sorted.Length > 0 ? sorted[^1] : 0)}, mean {(sorted.Length > 0 ? sorted.Average() : 0):0.0}");
Console.WriteLine($"process CPU (server + load generator): {cpu.TotalSeconds:0.0} s over {result.Elapsed.TotalSeconds:0.0} s");

static int Pct(int[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
