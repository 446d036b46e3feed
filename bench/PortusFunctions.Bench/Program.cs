using PortusFunctions.Bench;

return await BenchCommand.RunAsync(args).ConfigureAwait(false);
