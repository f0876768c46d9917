// Loads the Twilio Voice JavaScript SDK 2.x on demand. It is not part of this
// repository: the user copies it to Public/vendor/ (see vendor/README.md) or
// configures `[app] twilio_sdk_url`. Without it the page works, minus calls.

import { t } from './i18n.js';

export const DEFAULT_SDK_URL = 'vendor/twilio.min.js';

/** Why calls are off, in words for the banner. */
export class SdkUnavailable extends Error {
  constructor(message) {
    super(message);
    this.name = 'SdkUnavailable';
  }
}

/**
 * Resolves with the `Twilio` global. A `Twilio.Device` that already exists
 * (a test double, or a page that bundles the SDK) is used as is.
 */
export function loadTwilioSdk(url = DEFAULT_SDK_URL, timeoutMs = 20000) {
  if (hasDevice()) return Promise.resolve(window.Twilio);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    const timer = setTimeout(() => fail(t('sdk.slow')), timeoutMs);
    function fail(reason) {
      clearTimeout(timer);
      script.remove();
      reject(new SdkUnavailable(reason));
    }
    script.addEventListener('load', () => {
      clearTimeout(timer);
      if (hasDevice()) resolve(window.Twilio);
      else fail(t('sdk.wrong', { url }));
    });
    script.addEventListener('error', () => fail(t('sdk.missing')));
    script.src = url;
    script.async = true;
    document.head.append(script);
  });
}

function hasDevice() {
  return Boolean(window.Twilio && typeof window.Twilio.Device === 'function');
}
