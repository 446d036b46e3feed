using Microsoft.Extensions.Time.Testing;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Jobs;
using PortusFunctions.Storage;

namespace PortusFunctions.IntegrationTests.Jobs;

/// <summary>Leases in the jobs table on Azurite.</summary>
public sealed class JobLeasesTests
{
    [Fact]
    public async Task TryAcquire_TwoAtOnce_OneWins()
    {
        await using var host = await PortusHost.StartAsync();
        var leases = host.Service<JobLeases>();

        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => leases.TryAcquireAsync("race", TimeSpan.FromMinutes(1), CancellationToken.None)));

        Assert.Single(attempts, lease => lease is not null);
    }

    [Fact]
    public async Task TryAcquire_AfterExpiry_TakesOverAndOldOwnerCannotRenew()
    {
        await using var host = await PortusHost.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var leases = new JobLeases(host.Service<TableStore>(), clock);

        var first = await leases.TryAcquireAsync("expiry", TimeSpan.FromMinutes(1), CancellationToken.None);
        var whileHeld = await leases.TryAcquireAsync("expiry", TimeSpan.FromMinutes(1), CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(2));
        var second = await leases.TryAcquireAsync("expiry", TimeSpan.FromMinutes(1), CancellationToken.None);
        var renewed = await first!.RenewAsync(TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.Null(whileHeld);
        Assert.NotNull(second);
        Assert.False(renewed);
    }

    [Fact]
    public async Task Dispose_ReleasesLeaseForNextRun()
    {
        await using var host = await PortusHost.StartAsync();
        var leases = host.Service<JobLeases>();

        await using (var first = await leases.TryAcquireAsync("release", TimeSpan.FromMinutes(5), CancellationToken.None))
        {
            Assert.NotNull(first);
        }

        var next = await leases.TryAcquireAsync("release", TimeSpan.FromMinutes(5), CancellationToken.None);

        Assert.NotNull(next);
    }

    [Fact]
    public async Task RunStore_RecentRuns_NewestFirstWithCounts()
    {
        await using var host = await PortusHost.StartAsync();
        var runs = host.Service<JobRunStore>();
        var start = DateTimeOffset.UtcNow;
        for (var i = 0; i < 3; i++)
        {
            var run = new JobRun { Job = "demo", RunId = $"run-{i}", StartedAt = start.AddMinutes(i), Status = JobRunStatus.Completed };
            run.Add("TagsRead", 10 * i);
            run.Properties["Strategy"] = "update";
            await runs.SaveRunAsync(run, CancellationToken.None);
        }

        var recent = await runs.RecentRunsAsync("demo", 2, CancellationToken.None);

        Assert.Equal(["run-2", "run-1"], recent.Select(run => run.RunId));
        Assert.Equal(20, recent[0].Counts["TagsRead"]);
        Assert.Equal("update", recent[0].Properties["Strategy"]);
    }
}
