using System.Net;
using System.Net.Sockets;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using PortusFunctions.Storage;

namespace PortusFunctions.Tests.Storage;

/// <summary>The clients of <see cref="TableStore"/> against a port where nothing listens, as when storage is down.</summary>
public sealed class TableStoreTests
{
    [Fact]
    public async Task Find_StorageDown_ThrowsStorageUnavailable()
    {
        var table = ClosedStore().Service.GetTableClient("Jobs");

        var failure = await Record.ExceptionAsync(() => table.FindAsync("sync", "lease", CancellationToken.None));

        Assert.IsType<StorageUnavailableException>(failure);
    }

    [Fact]
    public async Task AddEntity_StorageDown_ThrowsStatusZero()
    {
        var table = ClosedStore().Service.GetTableClient("Jobs");

        var failure = await Record.ExceptionAsync(() => table.AddEntityAsync(new TableEntity("sync", "lease")));

        var failed = Assert.IsType<RequestFailedException>(failure);
        Assert.Equal(0, failed.Status);
        Assert.True(StorageFailure.IsTransient(failed));
        Assert.Contains("Retry failed after 4 tries", failed.Message, StringComparison.Ordinal);
    }

    /// <summary>A store on a loopback port that was free a moment ago, so every request is refused.</summary>
    private static TableStore ClosedStore()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var key = Convert.ToBase64String(new byte[64]);
        var options = new StorageOptions
        {
            Tables = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;",
            TablePrefix = "t",
        };
        return new TableStore(Options.Create(options));
    }
}
