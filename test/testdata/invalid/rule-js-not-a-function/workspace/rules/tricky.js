/* A valid rule: braces in strings, a template literal, a regular
   expression and comments do not end the function early. } */
async function tricky(user, context, callback) {
  const closing = '}';
  const template = `${user.name || '}'} {${closing}}`;
  if (/^[{}]+$/.test(closing)) {
    context.idToken['https://example.com/brace'] = template; // }
  }
  callback(null, user, context);
}; // end
