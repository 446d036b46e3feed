using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using PortusFunctions.Events;
using PortusFunctions.FunctionApp.Timers;
using PortusFunctions.Storage;

namespace PortusFunctions.FunctionApp.Tests.Timers;

public sealed class InboxDrainFunctionTests
{
    [Fact]
    public async Task Run_Timer_RunsOneDrainPass()
    {
        var drain = new Mock<IInboxDrain>();
        drain.Setup(pass => pass.RunAsync(It.IsAny<CancellationToken>())).ReturnsAsync(new DrainResult(1, 0, 0, 0, "202612041000"));

        await new InboxDrainFunction(new InboxDrainJob(drain.Object, NullLogger<InboxDrainJob>.Instance)).RunAsync(new TimerInfo(), CancellationToken.None);

        drain.Verify(pass => pass.RunAsync(It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Run_StorageDown_CompletesWithoutThrowing()
    {
        var drain = new Mock<IInboxDrain>();
        drain.Setup(pass => pass.RunAsync(It.IsAny<CancellationToken>())).ThrowsAsync(new StorageUnavailableException("down"));

        var run = new InboxDrainFunction(new InboxDrainJob(drain.Object, NullLogger<InboxDrainJob>.Instance)).RunAsync(new TimerInfo(), CancellationToken.None);

        await run;
        Assert.True(run.IsCompletedSuccessfully);
    }
}
