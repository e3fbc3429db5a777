using Microsoft.Extensions.Options;
using Siem.Store;
using Siem.Store.Persistence;

namespace Siem.Store.Ingest;

public sealed class UploadTooLargeException(long limit) : Exception($"The upload is larger than the limit of {limit:N0} bytes.")
{
    public long Limit { get; } = limit;
}

/// <summary>Streams uploads into the data folder (never whole into memory) and creates their ingest jobs.</summary>
public sealed class UploadStore(DataFolder folder, SiemDbContext db, JobQueue queue, Persistence.StoreBackend store, TimeProvider time, IOptions<SiemOptions> options)
{
    /// <summary>Saves <paramref name="content"/> as <paramref name="fileName"/> and queues a job for it.</summary>
    public async Task<IngestJob> SaveAndQueueAsync(string fileName, Stream content, string user, CancellationToken cancellationToken, double? replayRate = null)
    {
        var limit = options.Value.Ingest.MaxUploadBytes;
        var safeName = SafeFileName(fileName);
        var now = time.GetUtcNow().UtcDateTime;
        var path = Path.Combine(folder.Uploads, $"{now:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..8]}-{safeName}");
        long size = 0;
        try
        {
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    size += read;
                    if (size > limit)
                    {
                        throw new UploadTooLargeException(limit);
                    }

                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                if (store.Durability == Persistence.StoreDurability.Acknowledged)
                {
                    file.Flush(flushToDisk: true); // the 202 promises the file: on disk before the job row that points at it
                }
            }

            if (size == 0)
            {
                throw new InvalidDataException("The uploaded file is empty.");
            }
        }
        catch
        {
            File.Delete(path);
            throw;
        }

        var job = new IngestJob { FileName = safeName, StoredPath = path, SizeBytes = size, CreatedBy = user, CreatedUtc = now, ReplayRate = replayRate };
        db.Jobs.Add(job);
        await db.SaveChangesAsync(cancellationToken);
        queue.Enqueue(job.Id);
        return job;
    }

    private static string SafeFileName(string name)
    {
        var baseName = Path.GetFileName(name.Replace('\\', '/').Trim('"'));
        var cleaned = new string(baseName.Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray());
        return cleaned.Length == 0 ? "upload" : cleaned[..Math.Min(cleaned.Length, 100)];
    }
}
