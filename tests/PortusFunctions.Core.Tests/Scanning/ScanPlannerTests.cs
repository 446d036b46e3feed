using PortusFunctions.Images;
using PortusFunctions.Registry;
using PortusFunctions.Scanning;

namespace PortusFunctions.Core.Tests.Scanning;

/// <summary>The decisions of the scan state machine.</summary>
public sealed class ScanPlannerTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ScannerInfo Trivy = new("Trivy", "Aqua Security", "0.50.1", "2025-06-01T00:00:00Z", null);
    private static readonly ScanOptions Options = new()
    {
        MaxAttempts = 3,
        InProgressTimeout = TimeSpan.FromMinutes(30),
        MaxReportAge = TimeSpan.FromDays(1),
    };

    private static readonly ScanCandidate Image = new("sha256:aa", "team/app", "v1", MediaTypes.OciManifest, MediaTypes.OciConfig, []);

    [Fact]
    public void Decide_Pending_Scans()
    {
        var decision = ScanPlanner.Decide(Row(ScanStatuses.Pending), Image, Trivy, Now, Options);

        Assert.Equal(ScanAction.Scan, decision.Action);
    }

    [Fact]
    public void Decide_NotVisibleAnywhere_DoesNothing()
    {
        var decision = ScanPlanner.Decide(Row(ScanStatuses.Pending), null, Trivy, Now, Options);

        Assert.Equal(ScanAction.None, decision.Action);
    }

    [Theory]
    [InlineData("application/vnd.dev.cosign.simplesigning.v1+json")]
    [InlineData("application/vnd.cncf.helm.config.v1+json")]
    [InlineData("application/vnd.in-toto+json")]
    [InlineData("application/spdx+json")]
    public void Decide_NonImageConfig_MarksUnsupported(string configMediaType)
    {
        var decision = ScanPlanner.Decide(Row(ScanStatuses.Pending), Image with { ConfigMediaType = configMediaType }, Trivy, Now, Options);

        Assert.Equal(ScanAction.MarkUnsupported, decision.Action);
    }

    [Fact]
    public void Decide_UnknownConfig_ScansAsImage()
    {
        var decision = ScanPlanner.Decide(Row(ScanStatuses.Pending), Image with { ConfigMediaType = null }, Trivy, Now, Options);

        Assert.Equal(ScanAction.Scan, decision.Action);
    }

    [Fact]
    public void Decide_UnsupportedAlreadyMarked_DoesNothing()
    {
        var decision = ScanPlanner.Decide(
            Row(ScanStatuses.Unsupported),
            Image with { ConfigMediaType = "application/vnd.in-toto+json" },
            Trivy,
            Now,
            Options);

        Assert.Equal(ScanAction.None, decision.Action);
    }

    [Fact]
    public void Decide_InProgressWithinTimeout_LeavesItToItsOwner()
    {
        var row = Row(ScanStatuses.InProgress, attempts: 1, claimedAt: Now.AddMinutes(-29));

        Assert.Equal(ScanAction.None, ScanPlanner.Decide(row, Image, Trivy, Now, Options).Action);
    }

    [Fact]
    public void Decide_InProgressPastTimeout_TakesBack()
    {
        var row = Row(ScanStatuses.InProgress, attempts: 1, claimedAt: Now.AddMinutes(-31));

        var decision = ScanPlanner.Decide(row, Image, Trivy, Now, Options);

        Assert.Equal(ScanAction.Scan, decision.Action);
        Assert.False(decision.ResetAttempts);
    }

    [Fact]
    public void Decide_InProgressPastTimeoutOnLastAttempt_MarksExhausted()
    {
        var row = Row(ScanStatuses.InProgress, attempts: 3, claimedAt: Now.AddHours(-1));

        Assert.Equal(ScanAction.MarkExhausted, ScanPlanner.Decide(row, Image, Trivy, Now, Options).Action);
    }

    [Fact]
    public void Decide_FailedBeforeBackoff_Waits()
    {
        var row = Row(ScanStatuses.Failed, attempts: 1, nextAttemptAt: Now.AddMinutes(1));

        Assert.Equal(ScanAction.None, ScanPlanner.Decide(row, Image, Trivy, Now, Options).Action);
    }

    [Fact]
    public void Decide_FailedAfterBackoff_Retries()
    {
        var row = Row(ScanStatuses.Failed, attempts: 2, nextAttemptAt: Now.AddMinutes(-1));

        var decision = ScanPlanner.Decide(row, Image, Trivy, Now, Options);

        Assert.Equal(ScanAction.Scan, decision.Action);
        Assert.False(decision.ResetAttempts);
    }

    [Fact]
    public void Decide_FailedWithoutAttemptsLeft_MarksExhausted()
    {
        var row = Row(ScanStatuses.Failed, attempts: 3, nextAttemptAt: Now.AddMinutes(-1));

        Assert.Equal(ScanAction.MarkExhausted, ScanPlanner.Decide(row, Image, Trivy, Now, Options).Action);
    }

    [Fact]
    public void Decide_CompletedAndCurrent_DoesNothing()
    {
        var row = Completed(Trivy, Now.AddHours(-2));

        Assert.Equal(ScanAction.None, ScanPlanner.Decide(row, Image, Trivy, Now, Options).Action);
    }

    [Fact]
    public void Decide_CompletedBeforeDatabaseUpdate_Rescans()
    {
        var row = Completed(Trivy with { DatabaseVersion = "2025-05-31T00:00:00Z" }, Now.AddHours(-2));

        var decision = ScanPlanner.Decide(row, Image, Trivy, Now, Options);

        Assert.Equal(ScanAction.Scan, decision.Action);
        Assert.True(decision.ResetAttempts);
    }

    [Fact]
    public void Decide_ScannerWithoutDatabaseVersion_KeepsReportUntilMaxAge()
    {
        var noVersion = Trivy with { DatabaseVersion = null };
        var row = Completed(Trivy, Now.AddHours(-2));

        Assert.Equal(ScanAction.None, ScanPlanner.Decide(row, Image, noVersion, Now, Options).Action);
    }

    [Fact]
    public void Decide_CompletedByOtherScannerVersion_Rescans()
    {
        var row = Completed(Trivy with { Version = "0.49.0" }, Now.AddHours(-2));

        Assert.Equal(ScanAction.Scan, ScanPlanner.Decide(row, Image, Trivy, Now, Options).Action);
    }

    [Fact]
    public void Decide_ReportOlderThanMaxAge_Rescans()
    {
        var row = Completed(Trivy, Now.AddDays(-2));

        Assert.Equal(ScanAction.Scan, ScanPlanner.Decide(row, Image, Trivy, Now, Options).Action);
    }

    [Fact]
    public void Decide_ExhaustedRecently_DoesNothing()
    {
        var row = Row(ScanStatuses.RetriesExhausted, attempts: 3);
        row.LastAttemptAt = Now.AddHours(-1);
        row.LastAttemptScanner = Trivy.Identity;

        Assert.Equal(ScanAction.None, ScanPlanner.Decide(row, Image, Trivy, Now, Options).Action);
    }

    [Fact]
    public void Decide_ExhaustedWithNewScannerVersion_StartsNewAttempts()
    {
        var row = Row(ScanStatuses.RetriesExhausted, attempts: 3);
        row.LastAttemptAt = Now.AddHours(-1);
        row.LastAttemptScanner = "Trivy/0.49.0";

        var decision = ScanPlanner.Decide(row, Image, Trivy, Now, Options);

        Assert.Equal(ScanAction.Scan, decision.Action);
        Assert.True(decision.ResetAttempts);
    }

    [Fact]
    public void Decide_ExhaustedLongAgo_StartsNewAttempts()
    {
        var row = Row(ScanStatuses.RetriesExhausted, attempts: 3);
        row.LastAttemptAt = Now.AddDays(-2);
        row.LastAttemptScanner = Trivy.Identity;

        Assert.Equal(ScanAction.Scan, ScanPlanner.Decide(row, Image, Trivy, Now, Options).Action);
    }

    [Fact]
    public void DecideIndex_ChildStillPending_Waits()
    {
        var (index, children) = Index(("sha256:c1", "linux/amd64", ScanStatuses.Completed), ("sha256:c2", "linux/arm64", ScanStatuses.Pending));

        var decision = ScanPlanner.DecideIndex(Row(ScanStatuses.Pending), index, children);

        Assert.Null(decision.Status);
    }

    [Fact]
    public void DecideIndex_ChildWithoutRow_Waits()
    {
        var (index, children) = Index(("sha256:c1", "linux/amd64", ScanStatuses.Completed));
        index = index with { Children = [.. index.Children, new ManifestChild("sha256:c9", MediaTypes.OciManifest, null, null)] };

        Assert.Null(ScanPlanner.DecideIndex(Row(ScanStatuses.Pending), index, children).Status);
    }

    [Fact]
    public void DecideIndex_AllSettled_CompletesWithImageChildrenOnly()
    {
        var (index, children) = Index(
            ("sha256:c1", "linux/amd64", ScanStatuses.Completed),
            ("sha256:c2", null, ScanStatuses.Completed),
            ("sha256:c3", "unknown/unknown", ScanStatuses.Unsupported));

        var decision = ScanPlanner.DecideIndex(Row(ScanStatuses.Pending), index, children);

        Assert.Equal(ScanStatuses.Completed, decision.Status);
        Assert.Equal(["sha256:c1", "sha256:c2"], decision.Completed.Select(completed => completed.Child.Digest));
    }

    [Fact]
    public void DecideIndex_NoImageChild_Unsupported()
    {
        var (index, children) = Index(("sha256:c1", null, ScanStatuses.Unsupported));

        Assert.Equal(ScanStatuses.Unsupported, ScanPlanner.DecideIndex(Row(ScanStatuses.Pending), index, children).Status);
    }

    [Fact]
    public void DecideIndex_ExhaustedChild_IndexExhaustedNotPartial()
    {
        var (index, children) = Index(("sha256:c1", "linux/amd64", ScanStatuses.Completed), ("sha256:c2", "linux/arm64", ScanStatuses.RetriesExhausted));

        var decision = ScanPlanner.DecideIndex(Row(ScanStatuses.Pending), index, children);

        Assert.Equal(ScanStatuses.RetriesExhausted, decision.Status);
        Assert.Contains("sha256:c2", decision.Reason, StringComparison.Ordinal);
        Assert.Empty(decision.Completed);
    }

    [Fact]
    public void DecideIndex_SameChildrenAsBefore_NothingToDo()
    {
        var (index, children) = Index(("sha256:c1", "linux/amd64", ScanStatuses.Completed));
        var first = ScanPlanner.DecideIndex(Row(ScanStatuses.Pending), index, children);
        var composed = Row(ScanStatuses.Completed);
        composed.ChildrenKey = first.ChildrenKey;

        var again = ScanPlanner.DecideIndex(composed, index, children);

        Assert.Null(again.Status);
    }

    [Fact]
    public void DecideIndex_ChildRescanned_ComposesAgain()
    {
        var (index, children) = Index(("sha256:c1", "linux/amd64", ScanStatuses.Completed));
        var composed = Row(ScanStatuses.Completed);
        composed.ChildrenKey = ScanPlanner.DecideIndex(Row(ScanStatuses.Pending), index, children).ChildrenKey;
        children["sha256:c1"].Generation = "generation-2";

        Assert.Equal(ScanStatuses.Completed, ScanPlanner.DecideIndex(composed, index, children).Status);
    }

    [Fact]
    public void BackoffAfter_DoublesUpToMaximum()
    {
        var options = new ScanOptions { RetryBackoff = TimeSpan.FromMinutes(5), MaxRetryBackoff = TimeSpan.FromMinutes(30) };

        Assert.Equal(TimeSpan.FromMinutes(5), options.BackoffAfter(1));
        Assert.Equal(TimeSpan.FromMinutes(10), options.BackoffAfter(2));
        Assert.Equal(TimeSpan.FromMinutes(20), options.BackoffAfter(3));
        Assert.Equal(TimeSpan.FromMinutes(30), options.BackoffAfter(4));
        Assert.Equal(TimeSpan.FromMinutes(30), options.BackoffAfter(60));
    }

    private static ScanStatusRecord Row(string status, int attempts = 0, DateTimeOffset? claimedAt = null, DateTimeOffset? nextAttemptAt = null) => new()
    {
        Digest = "sha256:aa",
        Status = status,
        Attempts = attempts,
        ClaimedAt = claimedAt,
        NextAttemptAt = nextAttemptAt,
        Generation = status == ScanStatuses.Completed ? "generation-1" : null,
    };

    private static ScanStatusRecord Completed(ScannerInfo scanner, DateTimeOffset completedAt)
    {
        var row = Row(ScanStatuses.Completed);
        row.ScannerName = scanner.Name;
        row.ScannerVersion = scanner.Version;
        row.DatabaseVersion = scanner.DatabaseVersion;
        row.CompletedAt = completedAt;
        return row;
    }

    private static (ScanCandidate Index, Dictionary<string, ScanStatusRecord> Children) Index(params (string Digest, string? Platform, string Status)[] children)
    {
        var index = new ScanCandidate(
            "sha256:ii",
            "team/multi",
            "latest",
            MediaTypes.OciIndex,
            null,
            [.. children.Select(child => new ManifestChild(child.Digest, MediaTypes.OciManifest, child.Platform, null))]);
        var rows = children.ToDictionary(
            child => child.Digest,
            child => new ScanStatusRecord
            {
                Digest = child.Digest,
                Status = child.Status,
                Generation = child.Status == ScanStatuses.Completed ? "generation-1" : null,
            },
            StringComparer.Ordinal);
        return (index, rows);
    }
}
