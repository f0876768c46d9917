// The login page in the browser's language (the server fills in the form's
// hidden fields and any error; this only translates the page's own words).

import { useBrowserLanguage } from './i18n.js';

useBrowserLanguage();
