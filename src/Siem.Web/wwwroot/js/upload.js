// Drag-and-drop upload straight to POST /api/uploads (streamed by the server to the data folder),
// so large captures never travel through the Blazor circuit. Progress is reported back to .NET.
export function init(zone, input, dotnet, headerName, token) {
    const send = (file) => {
        if (!file) return;
        const form = new FormData();
        form.append("file", file, file.name);
        const xhr = new XMLHttpRequest();
        xhr.open("POST", zone.dataset.uploadUrl || "/api/uploads");
        xhr.setRequestHeader(headerName, token);
        let last = 0;
        xhr.upload.onprogress = (e) => {
            const now = Date.now();
            if (now - last > 200 || e.loaded === e.total) {
                last = now;
                dotnet.invokeMethodAsync("OnUploadProgress", e.loaded, e.lengthComputable ? e.total : file.size);
            }
        };
        xhr.onload = () => dotnet.invokeMethodAsync("OnUploadFinished", xhr.status, xhr.responseText);
        xhr.onerror = () => dotnet.invokeMethodAsync("OnUploadFinished", 0, "The upload failed: network error.");
        dotnet.invokeMethodAsync("OnUploadStarted", file.name, file.size);
        xhr.send(form);
    };
    zone.addEventListener("click", () => input.click());
    zone.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } });
    input.addEventListener("change", () => { send(input.files[0]); input.value = ""; });
    zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("dragging"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
    zone.addEventListener("drop", (e) => {
        e.preventDefault();
        zone.classList.remove("dragging");
        send(e.dataTransfer.files[0]);
    });
    // The zone is visible from prerendering on; it only accepts files once this has run.
    zone.dataset.ready = "true";
}
