namespace PortusFunctions.Jobs;

/// <summary>One run of a scheduled job, as stored in its run row.</summary>
public sealed class JobRun
{
    /// <summary>Job name, such as <c>sync</c> or <c>scan</c>.</summary>
    public required string Job { get; init; }

    /// <summary>Run id, unique per run.</summary>
    public required string RunId { get; init; }

    /// <summary>When the run started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When the run ended, or null while it runs.</summary>
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>A <see cref="JobRunStatus"/> value.</summary>
    public string Status { get; set; } = JobRunStatus.Running;

    /// <summary>What the run did or why it stopped, in one sentence.</summary>
    public string? Message { get; set; }

    /// <summary>Where the run stopped, for the next run to continue from; null when it finished the whole pass.</summary>
    public string? Cursor { get; set; }

    /// <summary>Counters of the run, such as <c>TagsRead</c>; each is stored as a column of its own.</summary>
    public IDictionary<string, long> Counts { get; } = new SortedDictionary<string, long>(StringComparer.Ordinal);

    /// <summary>Free-form settings of the run, such as the strategy, stored as string columns.</summary>
    public IDictionary<string, string> Properties { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Adds <paramref name="amount"/> to counter <paramref name="name"/>.</summary>
    public void Add(string name, long amount = 1)
    {
        Counts[name] = Counts.TryGetValue(name, out var current) ? current + amount : amount;
    }
}

/// <summary>Status values of <see cref="JobRun.Status"/>.</summary>
public static class JobRunStatus
{
    /// <summary>The run is in progress.</summary>
    public const string Running = "running";

    /// <summary>The run finished its work.</summary>
    public const string Completed = "completed";

    /// <summary>The run used its time budget and saved a cursor for the next run.</summary>
    public const string Paused = "paused";

    /// <summary>The run stopped on an error.</summary>
    public const string Failed = "failed";

    /// <summary>The run stopped before changing anything because a guard blocked it, such as the deletion guard.</summary>
    public const string Blocked = "blocked";
}
