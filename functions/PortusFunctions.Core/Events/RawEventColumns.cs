using System.IO.Compression;
using System.Text;
using Azure.Data.Tables;

namespace PortusFunctions.Events;

/// <summary>
/// Stores an event's raw JSON in a row: as text in <c>Raw</c> when it fits a string property, otherwise
/// gzip-compressed in <c>RawGzip</c>.
/// </summary>
internal static class RawEventColumns
{
    // A string property is limited to 64 KiB of UTF-16, and a binary property to 64 KiB.
    private const int MaxTextLength = 30_000;
    private const int MaxCompressedLength = 60_000;

    /// <summary>Writes <paramref name="raw"/> into <paramref name="entity"/>; false when even compressed it does not fit.</summary>
    public static bool TryWrite(TableEntity entity, string raw)
    {
        if (raw.Length <= MaxTextLength)
        {
            entity["Raw"] = raw;
            return true;
        }

        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(raw));
        }

        if (buffer.Length > MaxCompressedLength)
        {
            return false;
        }

        entity["RawGzip"] = buffer.ToArray();
        return true;
    }

    /// <summary>Writes the first part of <paramref name="raw"/> as text, for rows kept only for people to read.</summary>
    public static void WriteTruncated(TableEntity entity, string raw)
    {
        entity["Raw"] = raw.Length <= MaxTextLength ? raw : raw[..MaxTextLength];
        entity["RawLength"] = raw.Length;
    }

    /// <summary>Reads the raw JSON written by <see cref="TryWrite"/>, or null when the row contains none.</summary>
    public static string? Read(TableEntity entity)
    {
        if (entity.GetString("Raw") is { } text)
        {
            return text;
        }

        if (entity.GetBinary("RawGzip") is not { } compressed)
        {
            return null;
        }

        using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
