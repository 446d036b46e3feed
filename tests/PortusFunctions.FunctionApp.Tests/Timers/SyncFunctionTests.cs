using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using PortusFunctions.FunctionApp.Timers;
using PortusFunctions.Storage;
using PortusFunctions.Sync;

namespace PortusFunctions.FunctionApp.Tests.Timers;

public sealed class SyncFunctionTests
{
    [Fact]
    public async Task Run_Timer_RunsScheduledSyncOnce()
    {
        var sync = new Mock<ISyncService>();
        sync.Setup(service => service.RunAsync(SyncTrigger.Schedule, false, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new SyncRunResult(SyncOutcome.Completed, "done", null));
        var function = new SyncFunction(Job(sync.Object));
        using var cancellation = new CancellationTokenSource();

        await function.RunAsync(new TimerInfo(), cancellation.Token);

        sync.Verify(service => service.RunAsync(SyncTrigger.Schedule, false, cancellation.Token), Times.Once);
        sync.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Run_StorageUnavailable_DoesNotThrow()
    {
        var sync = new Mock<ISyncService>();
        sync.Setup(service => service.RunAsync(It.IsAny<SyncTrigger>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new StorageUnavailableException("Table Storage is unavailable."));
        var function = new SyncFunction(Job(sync.Object));

        await function.RunAsync(new TimerInfo(), CancellationToken.None);

        sync.Verify(service => service.RunAsync(SyncTrigger.Schedule, false, CancellationToken.None), Times.Once);
    }

    [Fact]
    public void Job_Schedule_ComesFromSyncScheduleSetting()
    {
        var job = Job(Mock.Of<ISyncService>());

        Assert.Equal("Sync:Schedule", job.ScheduleSetting);
        Assert.Equal("0 */15 * * * *", job.DefaultSchedule);
    }

    private static SyncJob Job(ISyncService sync)
    {
        var provider = new ServiceCollection().AddScoped(_ => sync).BuildServiceProvider();
        return new SyncJob(provider.GetRequiredService<IServiceScopeFactory>(), NullLogger<SyncJob>.Instance);
    }
}
