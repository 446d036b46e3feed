using Azure.Data.Tables;
using PortusFunctions.Storage;

namespace PortusFunctions.IntegrationTests.Infrastructure;

/// <summary>Reads what a host stored, straight from its tables.</summary>
internal static class StoredRows
{
    /// <summary>Returns every row of table <paramref name="name"/> of <paramref name="host"/>; empty when the table does not exist.</summary>
    public static async Task<IReadOnlyList<TableEntity>> ReadAsync(PortusHost host, string name)
    {
        ArgumentNullException.ThrowIfNull(host);

        var service = new TableServiceClient(host.Settings["Storage:Tables"]);
        var table = service.GetTableClient(host.Settings["Storage:TablePrefix"] + name);
        var rows = new List<TableEntity>();
        try
        {
            await foreach (var row in table.QueryAsync<TableEntity>().ConfigureAwait(false))
            {
                rows.Add(row);
            }
        }
        catch (Azure.RequestFailedException exception) when (exception.Status == 404)
        {
            return [];
        }

        return rows;
    }

    /// <summary>Counts the rows of every table that holds registry data or events.</summary>
    public static async Task<int> CountEventDataAsync(PortusHost host)
    {
        var total = 0;
        foreach (var table in new[] { TableNames.Inbox, TableNames.Quarantine, TableNames.Images, TableNames.Repositories })
        {
            total += (await ReadAsync(host, table).ConfigureAwait(false)).Count;
        }

        return total;
    }
}
