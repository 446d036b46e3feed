using System.Diagnostics;
using Azure.Data.Tables;

namespace PortusFunctions.Bench;

/// <summary>
/// Time of a single-partition query and of a point read in Azurite as the table grows: the cost that the store
/// pays per repository in a sync, measured apart from the app.
/// </summary>
internal static class EmulatorQueryBenchmark
{
    private const int RowsPerPartition = 20;
    private const int Samples = 200;

    public static async Task RunAsync(string tables)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var partitions in new[] { 500, 5_000, 10_000 })
        {
            var table = new TableServiceClient(tables).GetTableClient("query" + Guid.NewGuid().ToString("N")[..12]);
            await table.CreateIfNotExistsAsync().ConfigureAwait(false);
            await Parallel.ForEachAsync(Enumerable.Range(0, partitions), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (partition, token) =>
            {
                var entities = Enumerable.Range(0, RowsPerPartition)
                    .Select(row => new TableEntity($"p{partition}", $"manifest|{row}") { ["Digest"] = $"sha256:{partition}-{row}" });
                await table.SubmitTransactionAsync(entities.Select(entity => new TableTransactionAction(TableTransactionActionType.Add, entity)), token)
                    .ConfigureAwait(false);
            }).ConfigureAwait(false);

            var query = Stopwatch.StartNew();
            for (var i = 0; i < Samples; i++)
            {
                await foreach (var _ in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {$"p{i}"}")).ConfigureAwait(false))
                {
                }
            }

            var queryMs = query.Elapsed.TotalMilliseconds / Samples;
            var read = Stopwatch.StartNew();
            for (var i = 0; i < Samples; i++)
            {
                await table.GetEntityIfExistsAsync<TableEntity>($"p{i}", "manifest|5").ConfigureAwait(false);
            }

            var readMs = read.Elapsed.TotalMilliseconds / Samples;
            rows.Add([(partitions * RowsPerPartition).ToString(), Report.Number(queryMs, "0.00"), Report.Number(readMs, "0.00")]);
            await table.DeleteAsync().ConfigureAwait(false);
        }

        Report.Table(
            $"Azurite: one request at a time, partitions of {RowsPerPartition} rows, mean of {Samples}",
            ["rows in the table", "partition query ms", "point read ms"],
            rows);
    }
}
