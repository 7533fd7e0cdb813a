export { downloadToken, readDownloadToken, fileUrl, metalinkUrl, type DownloadTarget } from './download-token.js';
export * from './download.js';
export { METALINK_CONTENT_TYPE, METALINK_NAMESPACE, type MetalinkFile } from './metalink.js';
export { downloadsService, type DownloadsService, type DownloadsDeps, type FileLink, type MetalinkLink, type DownloadInfo, type GrantView } from './downloads.service.js';
