using PortusFunctions.IntegrationTests.Infrastructure;

namespace PortusFunctions.Bench;

/// <summary>Parses the command line and runs the selected benchmarks.</summary>
internal static class BenchCommand
{
    private const string Usage = """
        usage: bench/run [ingest] [import] [scan] [soak] [emulator] [options]
          ingest   webhook ingestion at 1, 8 and 32 senders, against direct batched inbox writes (the floor)
          import   initial catalog import from a seeded registry, against the same requests without a store (the floor),
                   an unchanged second run, and a naive importer (one request at a time, one table write per entity)
          scan     digests per minute through a Harbor-style scanner stub that answers at once
          soak     moderate webhook load for --soak-minutes, with latency and memory per minute
          emulator Azurite alone: a partition query and a point read in tables of 10,000 to 200,000 rows
        options:
          --events N         events per concurrency level in ingest (default 20000)
          --repositories N   repositories in the import registry (default 1000)
          --tags-per-repository N   tags per repository in the import registry (default 5)
          --naive            also run the naive importer in import (slow: one request at a time)
          --digests N        digests to scan in scan (default 1000)
          --soak-minutes M   length of soak (default 5)
        With no benchmark named, runs ingest, import and scan.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchOptions();
        var selected = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            string? Next() => i + 1 < args.Length ? args[++i] : null;
            var ok = args[i] switch
            {
                "ingest" or "import" or "scan" or "soak" or "emulator" => Add(selected, args[i]),
                "--events" => int.TryParse(Next(), out options.Events) && options.Events > 0,
                "--repositories" => int.TryParse(Next(), out options.Repositories) && options.Repositories > 0,
                "--tags-per-repository" => int.TryParse(Next(), out options.TagsPerRepository) && options.TagsPerRepository > 0,
                "--naive" => options.Naive = true,
                "--digests" => int.TryParse(Next(), out options.Digests) && options.Digests > 0,
                "--soak-minutes" => int.TryParse(Next(), out options.SoakMinutes) && options.SoakMinutes > 0,
                "--help" or "-h" => Help(),
                _ => false,
            };
            if (args[i] is "--help" or "-h")
            {
                return 0;
            }

            if (!ok)
            {
                Console.Error.WriteLine($"bench: invalid or incomplete argument '{args[i]}'.");
                Console.Error.WriteLine(Usage);
                return 2;
            }
        }

        if (selected.Count == 0)
        {
            selected.AddRange(["ingest", "import", "scan"]);
        }

        Console.WriteLine(MachineInfo.Describe());
        Console.WriteLine($"command: bench/run {string.Join(' ', args)}");
        await using var azurite = await AzuriteServer.StartAsync(inMemory: true).ConfigureAwait(false);
        foreach (var name in selected)
        {
            var benchmark = name switch
            {
                "ingest" => IngestBenchmark.RunAsync(azurite.ConnectionString, options),
                "import" => ImportBenchmark.RunAsync(azurite.ConnectionString, options),
                "scan" => ScanBenchmark.RunAsync(azurite.ConnectionString, options),
                "emulator" => EmulatorQueryBenchmark.RunAsync(azurite.ConnectionString),
                _ => SoakBenchmark.RunAsync(azurite.ConnectionString, options),
            };
            await benchmark.ConfigureAwait(false);
        }

        return 0;
    }

    private static bool Help()
    {
        Console.WriteLine(Usage);
        return true;
    }

    private static bool Add(List<string> selected, string name)
    {
        selected.Add(name);
        return true;
    }
}

/// <summary>Sizes of the workloads.</summary>
internal sealed class BenchOptions
{
    public int Events = 20_000;
    public int Repositories = 1000;
    public int TagsPerRepository = 5;
    public bool Naive;
    public int Digests = 1000;
    public int SoakMinutes = 5;
}
