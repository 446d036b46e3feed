using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Moq;
using PortusFunctions.FunctionApp.Timers;
using PortusFunctions.Scanning;

namespace PortusFunctions.FunctionApp.Tests.Timers;

/// <summary>The timer function that runs the scan job.</summary>
public sealed class ScanFunctionTests
{
    [Fact]
    public async Task RunAsync_Timer_RunsJobOnceWithToken()
    {
        var job = new Mock<IScanJob>(MockBehavior.Strict);
        using var cancellation = new CancellationTokenSource();
        job.Setup(scan => scan.RunAsync(cancellation.Token)).Returns(Task.CompletedTask);
        var function = new ScanFunction(job.Object);

        await function.RunAsync(new TimerInfo(), cancellation.Token);

        job.Verify(scan => scan.RunAsync(cancellation.Token), Times.Once);
    }

    [Fact]
    public async Task RunAsync_JobFails_FailureReachesTheHost()
    {
        var job = new Mock<IScanJob>();
        job.Setup(scan => scan.RunAsync(It.IsAny<CancellationToken>())).ThrowsAsync(new InvalidOperationException("broken"));
        var function = new ScanFunction(job.Object);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => function.RunAsync(new TimerInfo(), CancellationToken.None));

        Assert.Equal("broken", failure.Message);
    }

    [Fact]
    public void RunAsync_Trigger_UsesScanScheduleSetting()
    {
        var method = typeof(ScanFunction).GetMethod(nameof(ScanFunction.RunAsync))!;
        var trigger = method.GetParameters()[0].GetCustomAttribute<TimerTriggerAttribute>()!;
        var function = method.GetCustomAttribute<FunctionAttribute>()!;

        Assert.Equal("%Scan:Schedule%", trigger.Schedule);
        Assert.False(trigger.RunOnStartup);
        Assert.Equal("Scan", function.Name);
    }
}
