using Azure;
using Azure.Data.Tables;
using PortusFunctions.Storage;

namespace PortusFunctions.Jobs;

/// <summary>
/// Leases that let one run of a job at a time proceed across every host and instance: a row
/// (<c>PartitionKey</c> = job name, <c>RowKey</c> = <c>lease</c>) in the jobs table, taken and renewed with ETags.
/// </summary>
public class JobLeases
{
    private const string LeaseRow = "lease";

    private readonly TableStore _tables;
    private readonly TimeProvider _clock;

    /// <summary>Creates the lease service.</summary>
    public JobLeases(TableStore tables, TimeProvider clock)
    {
        _tables = tables;
        _clock = clock;
    }

    /// <summary>Identity of this process as a lease owner.</summary>
    public static string ProcessOwner { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>
    /// Takes the lease of <paramref name="job"/> for <paramref name="duration"/>, or returns null when another
    /// owner holds an unexpired lease.
    /// </summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    public virtual async Task<JobLease?> TryAcquireAsync(string job, TimeSpan duration, CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.Jobs, cancellationToken).ConfigureAwait(false);
        var now = _clock.GetUtcNow();
        var owner = $"{ProcessOwner}/{Guid.NewGuid():N}";
        var current = await table.FindAsync(job, LeaseRow, cancellationToken).ConfigureAwait(false);
        if (current is not null && current.GetDateTimeOffset("ExpiresAt") > now)
        {
            return null;
        }

        var row = new TableEntity(job, LeaseRow) { ["Owner"] = owner, ["ExpiresAt"] = now + duration, ["AcquiredAt"] = now };
        try
        {
            var response = current is null
                ? await table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false)
                : await table.UpdateEntityAsync(row, current.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return new JobLease(table, job, owner, response.Headers.ETag ?? default, _clock);
        }
        catch (RequestFailedException exception) when (StorageFailure.IsConflict(exception) || StorageFailure.IsPreconditionFailed(exception))
        {
            return null;
        }
        catch (RequestFailedException exception) when (StorageFailure.IsTransient(exception))
        {
            throw StorageFailure.Wrap(exception, $"take the lease of job {job}");
        }
    }
}

/// <summary>A held lease; renew it before it expires and release it when the run ends.</summary>
public sealed class JobLease : IAsyncDisposable
{
    private readonly TableClient _table;
    private readonly TimeProvider _clock;
    private ETag _etag;
    private bool _released;

    internal JobLease(TableClient table, string job, string owner, ETag etag, TimeProvider clock)
    {
        _table = table;
        Job = job;
        Owner = owner;
        _etag = etag;
        _clock = clock;
    }

    /// <summary>Job the lease is for.</summary>
    public string Job { get; }

    /// <summary>Owner id written in the lease row.</summary>
    public string Owner { get; }

    /// <summary>Extends the lease by <paramref name="duration"/> from now; false when it was lost to another owner.</summary>
    public async Task<bool> RenewAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var row = new TableEntity(Job, "lease") { ["Owner"] = Owner, ["ExpiresAt"] = now + duration, ["RenewedAt"] = now };
        try
        {
            var response = await _table.UpdateEntityAsync(row, _etag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            _etag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException exception) when (StorageFailure.IsPreconditionFailed(exception) || StorageFailure.IsNotFound(exception))
        {
            return false;
        }
        catch (RequestFailedException exception) when (StorageFailure.IsTransient(exception))
        {
            throw StorageFailure.Wrap(exception, $"renew the lease of job {Job}");
        }
    }

    /// <summary>Ends the lease now, unless another owner took it meanwhile.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_released)
        {
            return;
        }

        _released = true;
        var row = new TableEntity(Job, "lease") { ["Owner"] = Owner, ["ExpiresAt"] = _clock.GetUtcNow(), ["ReleasedAt"] = _clock.GetUtcNow() };
        try
        {
            await _table.UpdateEntityAsync(row, _etag, TableUpdateMode.Replace).ConfigureAwait(false);
        }
        catch (RequestFailedException)
        {
            // Lost to another owner, or storage is down: the lease then expires on its own.
        }
    }
}
