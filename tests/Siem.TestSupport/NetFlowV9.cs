using System.Buffers.Binary;

namespace Siem.TestSupport;

/// <summary>NetFlow v9 datagrams as a router sends them: a template of the usual IPv4 fields, then data records.</summary>
public static class NetFlowV9
{
    private const ushort TemplateId = 300;
    private static readonly (ushort Type, ushort Length)[] Fields = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 1), (1, 4), (2, 4), (22, 4), (21, 4)];

    /// <summary>A one-way UDP flow from 10.1.0.1:(40000 + n) to 10.2.0.1:53, 2 packets, 100 octets.</summary>
    public static byte[] Flow(int n)
    {
        var record = new byte[30];
        new byte[] { 10, 1, 0, 1 }.CopyTo(record, 0);
        new byte[] { 10, 2, 0, 1 }.CopyTo(record, 4);
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(8), (ushort)(40000 + n));
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(10), 53);
        record[12] = 17;
        BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(14), 100);
        BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(18), 2);
        BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(22), 5_000u + (uint)n); // first switched, ms of uptime
        BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(26), 5_010u + (uint)n);
        return record;
    }

    public static byte[] Datagram(bool withTemplate, params byte[][] records) => Datagram(withTemplate, 0, records);

    public static byte[] Datagram(bool withTemplate, uint domain, params byte[][] records)
    {
        var bytes = new List<byte>();
        var header = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(header, 9);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)(records.Length + (withTemplate ? 1 : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), 10_000); // uptime
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(16), domain);
        bytes.AddRange(header);
        if (withTemplate)
        {
            var set = new byte[4 + 4 + Fields.Length * 4];
            BinaryPrimitives.WriteUInt16BigEndian(set, 0);
            BinaryPrimitives.WriteUInt16BigEndian(set.AsSpan(2), (ushort)set.Length);
            BinaryPrimitives.WriteUInt16BigEndian(set.AsSpan(4), TemplateId);
            BinaryPrimitives.WriteUInt16BigEndian(set.AsSpan(6), (ushort)Fields.Length);
            for (var i = 0; i < Fields.Length; i++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(set.AsSpan(8 + i * 4), Fields[i].Type);
                BinaryPrimitives.WriteUInt16BigEndian(set.AsSpan(10 + i * 4), Fields[i].Length);
            }

            bytes.AddRange(set);
        }

        var length = 4 + records.Sum(r => r.Length);
        var padded = (length + 3) / 4 * 4;
        var data = new byte[padded];
        BinaryPrimitives.WriteUInt16BigEndian(data, TemplateId);
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(2), (ushort)padded);
        var offset = 4;
        foreach (var record in records)
        {
            record.CopyTo(data, offset);
            offset += record.Length;
        }

        bytes.AddRange(data);
        return [.. bytes];
    }
}
