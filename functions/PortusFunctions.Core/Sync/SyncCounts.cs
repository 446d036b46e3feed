using PortusFunctions.Jobs;

namespace PortusFunctions.Sync;

/// <summary>Counters of one sync run, safe to update from the repositories read in parallel.</summary>
public sealed class SyncCounts
{
    private long _repositoriesRead;
    private long _tagsRead;
    private long _added;
    private long _updated;
    private long _deleted;
    private long _skipped;
    private long _errors;

    /// <summary>Repositories whose tag list was read.</summary>
    public long RepositoriesRead => Interlocked.Read(ref _repositoriesRead);

    /// <summary>Tags listed by the registry.</summary>
    public long TagsRead => Interlocked.Read(ref _tagsRead);

    /// <summary>Tags and manifests that became visible.</summary>
    public long Added => Interlocked.Read(ref _added);

    /// <summary>Tags moved to another digest, and manifests whose details were filled in.</summary>
    public long Updated => Interlocked.Read(ref _updated);

    /// <summary>Tags, manifests and repositories removed.</summary>
    public long Deleted => Interlocked.Read(ref _deleted);

    /// <summary>
    /// Changes a newer change in the store made moot, tags whose digest the registry no longer resolved, repositories
    /// that returned <c>NAME_UNKNOWN</c>, and names that are not valid.
    /// </summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Repositories, tags or manifests whose read failed.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Counts a repository whose tags were listed.</summary>
    public void AddRepository(long tags)
    {
        Interlocked.Increment(ref _repositoriesRead);
        Interlocked.Add(ref _tagsRead, tags);
    }

    /// <summary>Adds the outcome of applied changes.</summary>
    public void AddChanges(long added, long updated, long deleted, long skipped)
    {
        Interlocked.Add(ref _added, added);
        Interlocked.Add(ref _updated, updated);
        Interlocked.Add(ref _deleted, deleted);
        Interlocked.Add(ref _skipped, skipped);
    }

    /// <summary>Counts something left as it is.</summary>
    public void AddSkipped(long count = 1) => Interlocked.Add(ref _skipped, count);

    /// <summary>Counts a failed read.</summary>
    public void AddError(long count = 1) => Interlocked.Add(ref _errors, count);

    /// <summary>Writes the counters into the run row.</summary>
    public void CopyTo(JobRun run)
    {
        ArgumentNullException.ThrowIfNull(run);

        run.Counts[nameof(RepositoriesRead)] = RepositoriesRead;
        run.Counts[nameof(TagsRead)] = TagsRead;
        run.Counts[nameof(Added)] = Added;
        run.Counts[nameof(Updated)] = Updated;
        run.Counts[nameof(Deleted)] = Deleted;
        run.Counts[nameof(Skipped)] = Skipped;
        run.Counts[nameof(Errors)] = Errors;
    }
}
