using System.Globalization;
using Azure.Data.Tables;
using PortusFunctions.Storage;

namespace PortusFunctions.Jobs;

/// <summary>
/// Run rows and state rows of the scheduled jobs in the jobs table.
/// </summary>
/// <remarks>
/// Run rows have the job name as partition key and <c>run|</c> followed by the inverted start ticks as row key,
/// so a query of the partition returns the newest run first. The state row (<c>state</c>) contains what a job keeps
/// between runs, such as its cursor or the fact that an import finished.
/// </remarks>
public class JobRunStore
{
    private const string RunPrefix = "run|";
    private const string StateRow = "state";

    private static readonly HashSet<string> ReservedColumns = new(StringComparer.Ordinal)
    {
        "PartitionKey", "RowKey", "Timestamp", "odata.etag", "Job", "RunId", "StartedAt", "FinishedAt", "Status", "Message", "Cursor",
    };

    private readonly TableStore _tables;

    /// <summary>Creates the store.</summary>
    public JobRunStore(TableStore tables)
    {
        _tables = tables;
    }

    /// <summary>Writes the run row, replacing an earlier write of the same run.</summary>
    public virtual async Task SaveRunAsync(JobRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);

        var table = await _tables.GetTableAsync(TableNames.Jobs, cancellationToken).ConfigureAwait(false);
        var row = new TableEntity(run.Job, RunKey(run.StartedAt, run.RunId))
        {
            ["Job"] = run.Job,
            ["RunId"] = run.RunId,
            ["StartedAt"] = run.StartedAt,
            ["FinishedAt"] = run.FinishedAt,
            ["Status"] = run.Status,
            ["Message"] = run.Message,
            ["Cursor"] = run.Cursor,
        };
        foreach (var (name, value) in run.Counts)
        {
            row[name] = value;
        }

        foreach (var (name, value) in run.Properties)
        {
            row[name] = value;
        }

        try
        {
            await table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        catch (Azure.RequestFailedException exception) when (StorageFailure.IsTransient(exception))
        {
            throw StorageFailure.Wrap(exception, $"save run {run.RunId} of job {run.Job}");
        }
    }

    /// <summary>Returns the newest <paramref name="count"/> runs of <paramref name="job"/>, newest first.</summary>
    public virtual async Task<IReadOnlyList<JobRun>> RecentRunsAsync(string job, int count, CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.Jobs, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {job} and RowKey ge {RunPrefix} and RowKey lt {"run}"}");
        var runs = new List<JobRun>(count);
        await foreach (var row in table.QueryRowsAsync(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            runs.Add(ToRun(row));
            if (runs.Count == count)
            {
                break;
            }
        }

        return runs;
    }

    /// <summary>Reads the state row of <paramref name="job"/>, or null when the job has none yet.</summary>
    public virtual async Task<TableEntity?> ReadStateAsync(string job, CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.Jobs, cancellationToken).ConfigureAwait(false);
        return await table.FindAsync(job, StateRow, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the state row of <paramref name="job"/>: <paramref name="state"/>'s columns replace the stored ones.
    /// </summary>
    public virtual async Task SaveStateAsync(string job, IDictionary<string, object?> state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);

        var table = await _tables.GetTableAsync(TableNames.Jobs, cancellationToken).ConfigureAwait(false);
        var row = new TableEntity(job, StateRow);
        foreach (var (name, value) in state)
        {
            row[name] = value;
        }

        try
        {
            await table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        catch (Azure.RequestFailedException exception) when (StorageFailure.IsTransient(exception))
        {
            throw StorageFailure.Wrap(exception, $"save the state of job {job}");
        }
    }

    private static string RunKey(DateTimeOffset startedAt, string runId) =>
        RunPrefix + (DateTimeOffset.MaxValue.UtcTicks - startedAt.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "|" + runId;

    private static JobRun ToRun(TableEntity row)
    {
        var run = new JobRun
        {
            Job = row.GetString("Job") ?? row.PartitionKey,
            RunId = row.GetString("RunId") ?? row.RowKey,
            StartedAt = row.GetDateTimeOffset("StartedAt") ?? DateTimeOffset.MinValue,
            FinishedAt = row.GetDateTimeOffset("FinishedAt"),
            Status = row.GetString("Status") ?? JobRunStatus.Running,
            Message = row.GetString("Message"),
            Cursor = row.GetString("Cursor"),
        };
        foreach (var (name, value) in row)
        {
            if (ReservedColumns.Contains(name))
            {
                continue;
            }

            switch (value)
            {
                case long number:
                    run.Counts[name] = number;
                    break;
                case int number:
                    run.Counts[name] = number;
                    break;
                case string text:
                    run.Properties[name] = text;
                    break;
            }
        }

        return run;
    }
}
