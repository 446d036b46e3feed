using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace PortusFunctions.Bench;

/// <summary>Latency samples of one benchmark step.</summary>
internal sealed class LatencyRecorder
{
    private readonly List<double> _milliseconds = [];

    public int Count
    {
        get
        {
            lock (_milliseconds)
            {
                return _milliseconds.Count;
            }
        }
    }

    public void Add(TimeSpan elapsed)
    {
        lock (_milliseconds)
        {
            _milliseconds.Add(elapsed.TotalMilliseconds);
        }
    }

    /// <summary>Returns the <paramref name="percentile"/> (0 to 100) in milliseconds, by the nearest-rank method.</summary>
    public double Percentile(double percentile)
    {
        lock (_milliseconds)
        {
            if (_milliseconds.Count == 0)
            {
                return double.NaN;
            }

            var sorted = _milliseconds.Order().ToList();
            var rank = (int)Math.Ceiling(percentile / 100 * sorted.Count);
            return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
        }
    }
}

/// <summary>Memory of a process, read from <c>/proc/PID/status</c>.</summary>
internal static class ProcessMemory
{
    /// <summary>Peak resident set size (VmHWM) in MiB, or null when the process is gone.</summary>
    public static double? PeakMiB(int processId) => Read(processId, "VmHWM:");

    /// <summary>Current resident set size (VmRSS) in MiB, or null when the process is gone.</summary>
    public static double? CurrentMiB(int processId) => Read(processId, "VmRSS:");

    private static double? Read(int processId, string field)
    {
        var path = $"/proc/{processId}/status";
        if (!File.Exists(path))
        {
            return null;
        }

        var line = File.ReadLines(path).FirstOrDefault(text => text.StartsWith(field, StringComparison.Ordinal));
        var kilobytes = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return kilobytes is null ? null : double.Parse(kilobytes, CultureInfo.InvariantCulture) / 1024;
    }
}

/// <summary>A line describing the machine, printed above the results.</summary>
internal static class MachineInfo
{
    public static string Describe()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]
            : "0";
        var gib = double.Parse(memory, CultureInfo.InvariantCulture) / 1024 / 1024;
        return $"machine: {Environment.ProcessorCount} cores ({cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}), {gib:0} GiB, "
            + $"{RuntimeInformation.OSDescription}, .NET {Environment.Version}, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC";
    }
}

/// <summary>Prints result rows as a Markdown table.</summary>
internal static class Report
{
    public static void Table(string title, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        Console.WriteLine();
        Console.WriteLine($"### {title}");
        Console.WriteLine();
        Console.WriteLine("| " + string.Join(" | ", header) + " |");
        Console.WriteLine("|" + string.Concat(header.Select(_ => "---|")));
        foreach (var row in rows)
        {
            Console.WriteLine("| " + string.Join(" | ", row) + " |");
        }
    }

    public static string Number(double value, string format = "0") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Ratio(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    public static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action().ConfigureAwait(false);
        return watch.Elapsed;
    }
}
