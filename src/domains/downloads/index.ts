export { downloadToken, readDownloadToken, fileUrl, metalinkUrl, type DownloadTarget } from './download-token.js';
