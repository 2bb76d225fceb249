const axios = require('axios');

/**
 * Tells the CRM about every new sign-up.
 *
 * @param {Event} event - Details about the user and the context in which they are registering.
 */
exports.onExecutePostUserRegistration = async (event) => {
  await axios.post(event.secrets.SIGNUP_WEBHOOK_URL, {
    user_id: event.user.user_id,
    email: event.user.email,
    connection: event.connection.name
  }, { timeout: 5000 });
};
