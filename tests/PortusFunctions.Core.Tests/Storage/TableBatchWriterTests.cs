using Azure.Data.Tables;
using PortusFunctions.Storage;

namespace PortusFunctions.Tests.Storage;

public sealed class TableBatchWriterTests
{
    private static readonly TableClient Inbox = new(new Uri("http://127.0.0.1:1/devstoreaccount1/Inbox"), "Inbox", new TableSharedKeyCredential("devstoreaccount1", Convert.ToBase64String(new byte[64])));
    private static readonly TableClient Other = new(new Uri("http://127.0.0.1:1/devstoreaccount1/Other"), "Other", new TableSharedKeyCredential("devstoreaccount1", Convert.ToBase64String(new byte[64])));

    [Fact]
    public void Partition_MixedPartitionsAndTables_NeverMixesThemInOneTransaction()
    {
        var actions = new[]
        {
            Pending(Inbox, "p1", "a"), Pending(Inbox, "p2", "b"), Pending(Other, "p1", "c"), Pending(Inbox, "p1", "d"),
        };

        var transactions = TableBatchWriter.Partition(actions).ToList();

        Assert.Equal(3, transactions.Count);
        Assert.All(transactions, transaction => Assert.Single(transaction.Select(pending => (pending.Table.Name, pending.Action.Entity.PartitionKey)).Distinct()));
    }

    [Fact]
    public void Partition_MoreThanHundredActions_SplitsAtHundred()
    {
        var actions = Enumerable.Range(0, 250).Select(i => Pending(Inbox, "p", $"row{i}"));

        var sizes = TableBatchWriter.Partition(actions).Select(transaction => transaction.Count).ToList();

        Assert.Equal([100, 100, 50], sizes);
    }

    [Fact]
    public void Partition_SameEntityTwice_PutsSecondWriteInLaterTransaction()
    {
        var actions = new[] { Pending(Inbox, "p", "a"), Pending(Inbox, "p", "b"), Pending(Inbox, "p", "a") };

        var transactions = TableBatchWriter.Partition(actions).ToList();

        Assert.Equal(2, transactions.Count);
        Assert.Equal(["a", "b"], transactions[0].Select(pending => pending.Action.Entity.RowKey));
        Assert.Equal(["a"], transactions[1].Select(pending => pending.Action.Entity.RowKey));
    }

    [Fact]
    public void Partition_LargeEntities_StaysUnderPayloadLimit()
    {
        var big = new string('x', 30_000);
        var actions = Enumerable.Range(0, 100).Select(i => Pending(Inbox, "p", $"row{i}", big));

        var transactions = TableBatchWriter.Partition(actions).ToList();

        Assert.True(transactions.Count > 1);
        Assert.All(transactions, transaction => Assert.True(transaction.Count * 60_000 < 4 * 1024 * 1024));
    }

    private static TableBatchWriter.PendingAction Pending(TableClient table, string partition, string row, string? payload = null) =>
        new(table, new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partition, row) { ["Raw"] = payload ?? "" }));
}
