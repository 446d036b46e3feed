using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using PortusFunctions.FunctionApp.Timers;
using PortusFunctions.Storage;
using PortusFunctions.Webhooks.Delivery;

namespace PortusFunctions.FunctionApp.Tests.Timers;

public sealed class OutboxDispatchFunctionTests
{
    [Fact]
    public async Task Run_Timer_RunsOneDispatchPass()
    {
        var dispatcher = new Mock<IOutboxDispatcher>();
        dispatcher.Setup(pass => pass.RunAsync(It.IsAny<CancellationToken>())).ReturnsAsync(new DispatchResult(1, 0, 0, 0, null));

        await new OutboxDispatchFunction(new OutboxDispatchJob(dispatcher.Object, NullLogger<OutboxDispatchJob>.Instance)).RunAsync(new TimerInfo(), CancellationToken.None);

        dispatcher.Verify(pass => pass.RunAsync(It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Run_StorageDown_CompletesWithoutThrowing()
    {
        var dispatcher = new Mock<IOutboxDispatcher>();
        dispatcher.Setup(pass => pass.RunAsync(It.IsAny<CancellationToken>())).ThrowsAsync(new StorageUnavailableException("down"));

        var run = new OutboxDispatchFunction(new OutboxDispatchJob(dispatcher.Object, NullLogger<OutboxDispatchJob>.Instance)).RunAsync(new TimerInfo(), CancellationToken.None);

        await run;
        Assert.True(run.IsCompletedSuccessfully);
    }
}
