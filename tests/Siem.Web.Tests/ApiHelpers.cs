using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Siem.Store.Ingest;
using Siem.Web.Ingest;

namespace Siem.Web.Tests;

internal static class ApiHelpers
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static Task<HttpResponseMessage> UploadAsync(this HttpClient client, string fileName, string content) =>
        client.UploadAsync(fileName, Encoding.UTF8.GetBytes(content), "text/csv");

    public static async Task<HttpResponseMessage> UploadAsync(this HttpClient client, string fileName, byte[] content, string contentType)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(file, "file", fileName);
        return await client.PostAsync("/api/uploads", form);
    }

    public static Task<JobView> UploadAndWaitAsync(this HttpClient client, string fileName, string content) =>
        client.UploadAndWaitAsync(fileName, Encoding.UTF8.GetBytes(content), "text/csv");

    public static async Task<JobView> UploadAndWaitAsync(this HttpClient client, string fileName, byte[] content, string contentType)
    {
        var response = await client.UploadAsync(fileName, content, contentType);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = (await response.Content.ReadFromJsonAsync<JobView>(Json))!;
        return await client.WaitForJobAsync(job.Id);
    }

    public static async Task<JobView> WaitForJobAsync(this HttpClient client, long id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var job = (await client.GetFromJsonAsync<JobView>($"/api/jobs/{id}", Json))!;
            if (job.Status is "Completed" or "Failed" or "Cancelled")
            {
                return job;
            }

            Assert.True(DateTime.UtcNow < deadline, $"job {id} still {job.Status} after the timeout");
            await Task.Delay(50);
        }
    }

    /// <summary>A client with a new API key of <paramref name="role"/>, made by the admin <paramref name="admin"/>.</summary>
    public static async Task<HttpClient> ClientWithRoleAsync(SiemAppFactory app, HttpClient admin, string role)
    {
        var response = await admin.PostAsJsonAsync("/api/admin/keys", new Siem.Web.Identity.CreateKeyRequest(role.ToLowerInvariant() + "-key", role));
        var key = (await response.Content.ReadFromJsonAsync<Siem.Store.Identity.CreatedApiKey>(Json))!;
        return app.ApiClient(key.Key);
    }

    /// <summary>Waits until the correlator has given every alert an incident.</summary>
    public static async Task WaitForCorrelationAsync(this SiemAppFactory app)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (await app.Services.GetRequiredService<Siem.Store.Incidents.IncidentCorrelator>().IsCaughtUpAsync())
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "alerts still waiting for incidents");
            await Task.Delay(50);
        }
    }
}
