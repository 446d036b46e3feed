using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PortusFunctions.Bench;

/// <summary>
/// Registry notifications as Debian's registry 2.8.2 sends them with <c>includereferences</c>: manifest pushes with
/// a tag, config and layer references, each with a unique id and digest.
/// </summary>
internal static class EventWorkload
{
    /// <summary>Returns the JSON of one push event.</summary>
    public static string PushEvent(int sequence, int repositories)
    {
        var repository = $"bench/team{sequence % 20}/app{sequence % repositories}";
        var digest = Digest($"manifest-{sequence}");
        var time = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        return $$$"""
            {"id":"{{{Guid.NewGuid()}}}","timestamp":"{{{time}}}","action":"push",
             "target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":345,"digest":"{{{digest}}}","length":345,
              "repository":"{{{repository}}}","url":"http://127.0.0.1:5000/v2/{{{repository}}}/manifests/{{{digest}}}","tag":"v{{{sequence % 7}}}",
              "references":[{"mediaType":"application/vnd.oci.image.config.v1+json","size":404,"digest":"{{{Digest($"config-{sequence}")}}}"},
                            {"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":31457280,"digest":"{{{Digest($"layer-{sequence % 50}")}}}"}]},
             "request":{"id":"{{{Guid.NewGuid()}}}","addr":"127.0.0.1:40000","host":"127.0.0.1:5000","method":"PUT","useragent":"skopeo/1.9.3"},
             "actor":{},"source":{"addr":"registry:5000","instanceID":"bench"}}
            """;
    }

    /// <summary>
    /// Splits <paramref name="events"/> events into envelopes: nine in ten hold one event, one in ten a batch of 50,
    /// as a registry 2.x endpoint sees under load.
    /// </summary>
    public static List<string> Envelopes(int events, int repositories, int firstSequence)
    {
        var random = new Random(firstSequence);
        var envelopes = new List<string>();
        var sequence = firstSequence;
        var end = firstSequence + events;
        while (sequence < end)
        {
            var size = random.Next(10) == 0 ? Math.Min(50, end - sequence) : 1;
            var body = new StringBuilder("{\"events\":[");
            for (var i = 0; i < size; i++)
            {
                body.Append(i == 0 ? "" : ",").Append(PushEvent(sequence++, repositories));
            }

            envelopes.Add(body.Append("]}").ToString());
        }

        return envelopes;
    }

    /// <summary>Returns a sha256 digest derived from <paramref name="seed"/>.</summary>
    public static string Digest(string seed) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(seed)));

    /// <summary>Counts the events in an envelope produced by <see cref="Envelopes"/>.</summary>
    public static int CountEvents(string envelope) => envelope.Split("\"action\":", StringSplitOptions.None).Length - 1;
}
