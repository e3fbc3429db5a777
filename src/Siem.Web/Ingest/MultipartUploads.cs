using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Siem.Store.Ingest;
using Siem.Store.Persistence;

namespace Siem.Web.Ingest;

/// <summary>HTTP's part of an upload: the multipart framing. The store only ever sees the file's bytes.</summary>
public static class MultipartUploads
{
    /// <summary>Reads the first file part of a multipart request as a stream.</summary>
    public static async Task<IngestJob> SaveMultipartAsync(this UploadStore store, HttpRequest request, string user, CancellationToken cancellationToken, double? replayRate = null)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException("Send the file as multipart/form-data with a 'file' part.");
        }

        var boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).Value
                       ?? throw new InvalidDataException("The multipart request has no boundary.");
        var reader = new MultipartReader(boundary, request.Body);
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                && disposition.DispositionType.Equals("form-data") && (disposition.FileName.HasValue || disposition.FileNameStar.HasValue))
            {
                var name = (disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "upload";
                return await store.SaveAndQueueAsync(name, section.Body, user, cancellationToken, replayRate);
            }
        }

        throw new InvalidDataException("The request has no file part.");
    }
}
